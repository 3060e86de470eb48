package io.stackl.tasks.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * Where the gateway is and how to sign in, first found wins: the flag, the environment ({@code STACKL_URL},
 * {@code STACKL_API_KEY}, {@code STACKL_TOKEN}), the config file ({@code url=}, {@code api-key=}, {@code token=} in
 * {@code $STACKL_CONFIG}, else {@code ~/.config/stackl/config.properties}), then {@code http://127.0.0.1:8080}.
 */
record Settings(String url, String apiKey, String token) {

    static final String DEFAULT_URL = "http://127.0.0.1:8080";

    static Settings resolve(String url, String apiKey, String token, Map<String, String> env) {
        Properties file = configFile(env);
        return new Settings(
                first(url, env.get("STACKL_URL"), file.getProperty("url"), DEFAULT_URL),
                first(apiKey, env.get("STACKL_API_KEY"), file.getProperty("api-key"), null),
                first(token, env.get("STACKL_TOKEN"), file.getProperty("token"), null));
    }

    private static Properties configFile(Map<String, String> env) {
        Path path = env.get("STACKL_CONFIG") != null ? Path.of(env.get("STACKL_CONFIG"))
                : Path.of(System.getProperty("user.home"), ".config", "stackl", "config.properties");
        Properties properties = new Properties();
        if (Files.isReadable(path)) {
            try (Reader reader = Files.newBufferedReader(path)) {
                properties.load(reader);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + path + ": " + e.getMessage());
            }
        }
        return properties;
    }

    private static String first(String... values) {
        for (String value : values) {
            if (value != null && !value.isBlank()) {
                return value.strip();
            }
        }
        return null;
    }
}
