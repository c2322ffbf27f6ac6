package dev.wormholes.node.api;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.wormholes.node.fuzz.FuzzRuns;
import dev.wormholes.node.path.Path;
import dev.wormholes.node.path.Ping;
import dev.wormholes.node.socks.SocksCredentials;
import dev.wormholes.node.store.ServiceRecord;
import dev.wormholes.proto.NodeId;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Fuzz: control API bodies. Any text given to {@code POST /v1/expose} or {@code /v1/unexpose}
 * ends in a result or an {@link ApiException} (a 4xx answer with one sentence), never another
 * exception; an accepted exposure is never both public and allow-listed. Any text given to the
 * people, whisper and channel endpoints ({@link #otherRoutes}) ends in a 4xx or reaches the control
 * behind the route (its parsing accepted the body), never another exception (which the API would
 * answer with a 500).
 *
 * <p>Normal suite: seed inputs under {@code src/test/resources/dev/wormholes/node/api/ApiBodyFuzzTestInputs/}.
 * Long run: {@code JAZZER_FUZZ=1 JAZZER_INSTRUMENTATION_INCLUDES='dev.wormholes.**' ./mvnw -B -o -pl node test -Dtest=ApiBodyFuzzTest
 * -Dsurefire.failIfNoSpecifiedTests=false} (node/README.md "Fuzzing").
 */
class ApiBodyFuzzTest {
  /** Accepts every exposure as given (the route's parsing is what is fuzzed). */
  private static final StreamControl STREAMS = new StreamControl() {
    @Override
    public ServiceRecord expose(ServiceRecord record) {
      if (record.everyone() && !record.allow().isEmpty()) {
        throw new AssertionError("public and allow-listed: " + record);
      }
      return record;
    }

    @Override
    public boolean unexpose(String service) {
      return service.equals("web");
    }

    @Override
    public List<ServiceRecord> services() {
      return List.of();
    }

    @Override
    public CompletableFuture<Ping.Result> ping(NodeId node, int count, boolean viaRelay) {
      return new CompletableFuture<>();
    }

    @Override
    public List<Path> paths() {
      return List.of();
    }

    @Override
    public InetSocketAddress socksAddress() {
      return null;
    }

    @Override
    public SocksCredentials socksCredentials() {
      return null;
    }
  };

  @FuzzTest(maxDuration = FuzzRuns.MAX_DURATION, maxExecutions = FuzzRuns.MAX_EXECUTIONS)
  void post(FuzzedDataProvider in) {
    String path = in.consumeBoolean() ? "/v1/expose" : "/v1/unexpose";
    String body = in.consumeRemainingAsString();
    try {
      ServiceRoutes.route(STREAMS, false, true, path, body).join();
    } catch (ApiException e) {
      if (e.status() < 400 || e.status() >= 500) {
        throw new AssertionError("not a client error: " + e.status() + " " + e.getMessage());
      }
    }
  }

  /** The POST paths of the people, whisper and channel routes. */
  private static final List<String> OTHER_PATHS = List.of("/v1/invite", "/v1/accept", "/v1/sign", "/v1/encrypt",
      "/v1/decrypt", "/v1/verify", "/v1/request", "/v1/rotate", "/v1/recover", "/v1/device", "/v1/contact",
      "/v1/whisper", "/v1/mailboxes", "/v1/channels/create", "/v1/channels/invite", "/v1/channels/join", "/v1/channels/leave",
      "/v1/channels/post", "/v1/channels/remove");

  /** Thrown by every control method: the route parsed the body and went on to act on it. */
  private static final class Reached extends RuntimeException {
    Reached() {
      super(null, null, false, false);
    }
  }

  private static final Reached REACHED = new Reached();

  /** A control of {@code type} whose every method throws {@link #REACHED}. */
  private static <T> T reaching(Class<T> type) {
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
      if (method.getDeclaringClass() == Object.class) {
        return method.getName().equals("equals") ? proxy == args[0]
            : method.getName().equals("hashCode") ? 0 : type.getSimpleName();
      }
      throw REACHED;
    }));
  }

  private static final PeopleControl PEOPLE = reaching(PeopleControl.class);
  private static final WhisperControl WHISPERS = reaching(WhisperControl.class);
  private static final ChannelControl CHANNELS = reaching(ChannelControl.class);

  @FuzzTest(maxDuration = FuzzRuns.MAX_DURATION, maxExecutions = FuzzRuns.MAX_EXECUTIONS)
  void otherRoutes(FuzzedDataProvider in) {
    String path = OTHER_PATHS.get(in.consumeInt(0, OTHER_PATHS.size() - 1));
    String body = in.consumeRemainingAsString();
    try {
      if (PeopleRoutes.handles(path)) {
        PeopleRoutes.route(PEOPLE, false, true, path, body);
      } else if (WhisperRoutes.handles(path)) {
        WhisperRoutes.route(WHISPERS, false, true, path, body);
      } else {
        ChannelRoutes.route(CHANNELS, false, true, path, body);
      }
    } catch (Reached e) {
      // accepted and handed to the control
    } catch (ApiException e) {
      if (e.status() < 400 || e.status() >= 500) {
        throw new AssertionError("not a client error: " + e.status() + " " + e.getMessage());
      }
    }
  }
}
