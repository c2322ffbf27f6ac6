package dev.wormholes.node.it;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Give each test a fresh {@link Cluster}; afterwards print its daemons' logs if the test failed,
 * then kill its processes and delete its namespace, whatever happened.
 */
final class ClusterExtension implements BeforeEachCallback, AfterEachCallback {
  private Cluster cluster;

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    cluster = Cluster.create();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (cluster == null) {
      return;
    }
    try {
      if (context.getExecutionException().isPresent()) {
        cluster.printLogs(System.out);
      }
    } finally {
      cluster.close();
      cluster = null;
    }
  }

  /** Return this test's cluster. */
  Cluster cluster() {
    return cluster;
  }
}
