//! The talks as a timeline, drawn from the corpus (issue 14, in progress): [`when`]
//! reads the dates curators write.

pub mod when;
