import ServiceSupport

/// A configuration value that realtimed cannot start with (the setting and what is wrong with it).
public typealias RealtimeConfigurationError = ConfigurationError
