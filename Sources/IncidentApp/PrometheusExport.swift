import Metrics
import IncidentEngine
import Prometheus

/// swift-metrics into a Prometheus registry, with each family's `# HELP` from `BotMetrics.help`
/// (the registry's own factory writes none, and a scrape without them fails `promtool check
/// metrics`). Bootstrapped once, by `incident-bot serve`.
public struct PrometheusExport: MetricsFactory {
    public let registry: PrometheusCollectorRegistry
    let standard: PrometheusMetricsFactory

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        standard = PrometheusMetricsFactory(registry: registry)
    }

    /// Makes this the process's swift-metrics backend (once per process) and returns its registry.
    public static func bootstrap() -> PrometheusCollectorRegistry {
        let export = PrometheusExport()
        MetricsSystem.bootstrap(export)
        return export.registry
    }

    public static func describe(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: BotMetrics.help[label] ?? label)
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: Self.describe(label), labels: dimensions)
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: Self.describe(label), labels: dimensions)
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: Self.describe(label), labels: dimensions)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: Self.describe(label), labels: dimensions) }
        return registry.makeValueHistogram(descriptor: Self.describe(label), labels: dimensions,
                                           buckets: BotMetrics.valueBuckets[label] ?? standard.defaultValueHistogramBuckets)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        registry.makeDurationHistogram(descriptor: Self.describe(label), labels: dimensions,
                                       buckets: BotMetrics.durationBuckets[label] ?? standard.defaultDurationHistogramBuckets)
    }

    public func destroyCounter(_ handler: any CounterHandler) { standard.destroyCounter(handler) }
    public func destroyMeter(_ handler: any MeterHandler) { standard.destroyMeter(handler) }
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { standard.destroyFloatingPointCounter(handler) }
    public func destroyRecorder(_ handler: any RecorderHandler) { standard.destroyRecorder(handler) }
    public func destroyTimer(_ handler: any TimerHandler) { standard.destroyTimer(handler) }
}
