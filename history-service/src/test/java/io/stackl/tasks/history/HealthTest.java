package io.stackl.tasks.history;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.stackl.tasks.infra.InfrastructureTestResource;
import io.stackl.tasks.testkit.ServiceHealthContract;

@QuarkusTest
@QuarkusTestResource(value = InfrastructureTestResource.class, restrictToAnnotatedClass = false)
class HealthTest extends ServiceHealthContract {}
