import Logging
import Metrics
import Prometheus

/// The process-wide logging and metrics backends of a service executable.
public enum ProcessObservability {
    /// Logs to standard error at `level` and collects metrics in the returned Prometheus registry
    /// (served on the service's `/metrics`). Call once, before anything logs.
    public static func bootstrap(loggingLevel level: Logger.Level) -> PrometheusCollectorRegistry {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Millisecond resolution where this system lives (record ages, request times are mostly
        // 1 to 50 ms): the library's default buckets start at 5 ms and jump to 10 and 25.
        factory.defaultDurationHistogramBuckets = [1, 2, 3, 5, 7.5, 10, 15, 20, 25, 35, 50, 75, 100, 250, 500, 1000, 2500, 5000, 10000]
            .map { .microseconds(Int64($0 * 1000)) }
        MetricsSystem.bootstrap(factory)
        return registry
    }
}
