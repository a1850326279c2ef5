// What an operator looks at: Prometheus metrics, the live dashboard page and its data.
import type { HttpEndpoint } from '../observability/http.js'
import type { NodeMetrics } from '../observability/metrics.js'
import { DASHBOARD_HTML } from '../observability/dashboard/page.js'
import type { ClusterNode } from './cluster-node.js'

export function registerObserveRoutes (http: HttpEndpoint, node: ClusterNode, metrics: NodeMetrics): void {
  http.route('GET', '/metrics', async () => ({ text: await metrics.text(), contentType: metrics.contentType }))
  // The page holds no data (it fetches dashboard.json with the token), so it loads without one.
  http.route('GET', '/', () => ({ text: DASHBOARD_HTML, contentType: 'text/html; charset=utf-8' }), { public: true })
  http.route('GET', '/dashboard.json', () => ({ json: metrics.dashboard(node.status()) }))
}
