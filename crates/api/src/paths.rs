//! The API's paths; no other crate spells them.

/// Liveness and database readiness, public.
pub const HEALTH: &str = "/health";
