// GET /doctor: this node's facts about how it talks to the others, and what they mean.
import { HttpError, type HttpEndpoint } from '../observability/http.js'
import { diagnose, healthy, type DoctorFacts, type Finding } from '../observability/diagnose.js'
import type { ClusterNode } from './cluster-node.js'
import { gatherFacts } from './doctor-facts.js'

export interface DoctorAnswer {
  node: string
  /** True when no finding is a problem (`mcp-cluster doctor` then exits 0). */
  healthy: boolean
  /** Problems first, then warnings, then what is fine. */
  findings: Finding[]
  facts: DoctorFacts
}

/** `discovered`: the peers this node's connector has discovered (their ids). */
export function registerDoctorRoutes (http: HttpEndpoint, node: ClusterNode, discovered: () => Iterable<string>): void {
  http.route('GET', '/doctor', async () => {
    if (!node.running) throw new HttpError(503, 'the node is not running')
    const facts = await gatherFacts(node, discovered())
    const findings = diagnose(facts)
    const answer: DoctorAnswer = { node: facts.self.id, healthy: healthy(findings), findings, facts }
    return { json: answer }
  })
}
