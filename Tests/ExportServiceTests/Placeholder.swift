import Testing

// Placeholder: replaced by the service tests.
@Test func placeholder() {}
