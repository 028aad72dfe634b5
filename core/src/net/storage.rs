//! Durable storage (segment files). Filled in by the storage step.
