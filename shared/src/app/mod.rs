//! Use cases: domain rules + repository calls, one module per area.
