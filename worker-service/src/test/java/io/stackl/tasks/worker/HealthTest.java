package io.stackl.tasks.worker;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.stackl.tasks.testkit.ServiceHealthContract;

@QuarkusTest
@QuarkusTestResource(value = HistoryAndEndpointResource.class, restrictToAnnotatedClass = false)
class HealthTest extends ServiceHealthContract {}
