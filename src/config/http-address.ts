import { BlockList, isIP } from 'node:net'

/** Where the local HTTP endpoint listens; host is ready for server.listen (IPv6 without brackets). */
export interface HttpAddress {
  host: string
  port: number
}

// IPv6 hosts need brackets, as in URLs, or the port would be ambiguous.
const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/

/** Parses 'host:port' or '[v6]:port' with port 0..65535; undefined when malformed. */
export function parseHttpAddress (text: string): HttpAddress | undefined {
  const m = HOST_PORT.exec(text)
  if (m === null) return undefined
  const v6 = m[1]
  const host = v6 ?? m[2]
  const port = Number(m[3])
  if (host === undefined || port > 65535) return undefined
  if (v6 !== undefined && isIP(v6) !== 6) return undefined
  return { host, port }
}

const loopback = new BlockList()
loopback.addSubnet('127.0.0.0', 8, 'ipv4')
loopback.addAddress('::1', 'ipv6')

/** True for hosts only this machine can reach; anything else exposes the endpoint to the network. */
export function isLoopbackHost (host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true
  const family = isIP(host)
  if (family === 4) return loopback.check(host, 'ipv4')
  if (family === 6) return loopback.check(host, 'ipv6')
  return false
}
