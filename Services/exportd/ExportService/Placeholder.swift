// Placeholder: replaced by the service implementation.
