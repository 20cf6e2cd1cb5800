import ServiceSupport

/// A configuration value that ingestd cannot start with (the setting and what is wrong with it).
public typealias IngestConfigurationError = ConfigurationError
