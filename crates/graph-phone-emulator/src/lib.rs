//! Local Graph emulator (placeholder until it lands).
