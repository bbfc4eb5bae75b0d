import SluiceSupport

/// Re-exported so callers configure retries without importing SluiceSupport.
public typealias SluiceBackoff = Backoff
