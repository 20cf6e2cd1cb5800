import ServiceSupport

/// A configuration value that exportd cannot start with (the setting and what is wrong with it).
public typealias ExportConfigurationError = ConfigurationError
