package io.stackl.tasks.kit.internal;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The callers that may use an endpoint of an internal API (the broker's, the history service's), by the names of
 * {@code tasks.internal-api.callers}. On a method it replaces its class's. An endpoint of an internal API without it
 * answers no one: adding an endpoint means saying who may call it.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface CalledBy {

    String[] value();
}
