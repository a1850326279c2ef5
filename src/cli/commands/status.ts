import { Command } from 'commander'
import { endpointFrom, requestJson } from '../http-client.js'
import { formatStatus } from '../format.js'
import type { ClusterStatus } from '../../node/status.js'

export function statusCommand (): Command {
  return new Command('status')
    .description('show the cluster as seen by a running node')
    .option('--http <host:port>', 'the node\'s HTTP endpoint (default 127.0.0.1:7070, or MCP_HTTP)')
    .option('--http-token <token>', 'token for an endpoint bound beyond loopback (or MCP_HTTP_TOKEN)')
    .option('--json', 'print the raw JSON')
    .action(async (opts: { http?: string, httpToken?: string, json?: boolean }) => {
      const status = await requestJson<ClusterStatus>(endpointFrom(opts), 'GET', '/status')
      process.stdout.write((opts.json === true ? JSON.stringify(status, null, 2) : formatStatus(status)) + '\n')
    })
}
