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
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }
}
