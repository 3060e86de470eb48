package io.stackl.tasks.gateway;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.stackl.tasks.testkit.ServiceHealthContract;

@QuarkusTest
@QuarkusTestResource(value = SuiteResource.class, restrictToAnnotatedClass = false)
class HealthTest extends ServiceHealthContract {}
