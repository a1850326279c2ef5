import '../polyfill.js'
import type { NodeOptions } from '../config/options.js'
import { resolveOptions } from '../config/load.js'
import { ClusterNode } from './cluster-node.js'

/**
 * Create a node from library options (defaults fill the rest; invalid options throw a
 * ConfigError naming every problem). Nothing starts until `await node.start()`.
 */
export async function createNode (options: NodeOptions = {}): Promise<ClusterNode> {
  return new ClusterNode(resolveOptions({ options }))
}
