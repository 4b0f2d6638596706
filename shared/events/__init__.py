"""Events between services: contracts, outbox, relay, transports, consumers."""
