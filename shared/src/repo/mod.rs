//! All SQL lives here, one module per aggregate. Every function takes a `Tx`.
