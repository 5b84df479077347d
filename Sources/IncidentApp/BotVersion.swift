/// The version `incident-bot --version` prints.
public enum BotVersion {
    public static let current = "0.13.0"
}
