/// The Sluice release this binary was built from (CLI `--version`, REST `GET /`).
public enum SluiceVersion {
    public static let current = "0.1.0"
}
