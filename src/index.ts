// mcp-cluster: the public library API.
import './polyfill.js'

export { createNode } from './node/create-node.js'
export { ClusterNode, type ClusterNodeEvents } from './node/cluster-node.js'
export type { ClusterStatus, MemberStatus } from './node/status.js'
export type { NodeOptions, ResolvedNodeOptions } from './config/options.js'
export { ConfigError } from './config/errors.js'
export type { Capacity, Load, Role, NodeId, Epoch } from './core/types.js'
export type { ScoreFn as PlacementScore } from './core/scheduler/policy.js'
export type { PendingTask as PlacementTask, WorkerState as PlacementCandidate } from './core/scheduler/types.js'
export { TaskError, type TaskHandler, type TaskContext, type SubmitOptions, type TaskResult, type HandlerOptions } from './node/task-api.js'
export { VERSION } from './version.js'
