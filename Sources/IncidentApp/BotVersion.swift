/// The version `incident-bot --version` prints.
public enum BotVersion {
    public static let current = "0.14.0-dev"
}
