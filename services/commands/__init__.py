"""Bot commands: the payload registry, the queue service and the local outbox."""
