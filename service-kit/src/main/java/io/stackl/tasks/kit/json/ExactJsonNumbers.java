package io.stackl.tasks.kit.json;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.quarkus.arc.properties.IfBuildProperty;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * JSON bodies keep their numbers as written: read as doubles, 1e400 would become "Infinity" and 1e-5000 would become
 * 0.0, silently, before the content rules (docs/content-rules.md) could refuse them. Read exactly, every number is
 * either stored as sent or refused with a reason.
 *
 * <p>On in the services that take JSON content from users and store it (the gateway, the history service), with the
 * build property {@code tasks.json.exact-numbers=true}; the others keep Jackson's defaults.
 */
@Singleton
@IfBuildProperty(name = "tasks.json.exact-numbers", stringValue = "true")
public class ExactJsonNumbers implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        exact(mapper);
    }

    /**
     * A mapper of its own that reads numbers exactly, for code that passes users' JSON on (the worker hands a task's
     * arguments to its handlers and their values to the history service): read as doubles, a document value of
     * 1.000000000000000000001 would be stored as 1.0.
     */
    public static ObjectMapper newMapper() {
        return exact(new ObjectMapper());
    }

    private static ObjectMapper exact(ObjectMapper mapper) {
        mapper.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        mapper.setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));
        return mapper;
    }
}
