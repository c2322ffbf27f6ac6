package dev.wormholes.node.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

/** {@link ApiRoutes#wholeNumber} (in and out of its range) and {@link ApiRoutes#bool}: any JSON value is a number, the default or a 400. */
class WholeNumberTest {
  private static JsonObject body(String json) {
    return JsonParser.parseString(json).getAsJsonObject();
  }

  @Test
  void wholeNumbersHoweverWritten() {
    assertEquals(7, ApiRoutes.wholeNumber(body("{}"), "n", 7, Long.MIN_VALUE, Long.MAX_VALUE));
    assertEquals(7, ApiRoutes.wholeNumber(body("{\"n\":null}"), "n", 7, Long.MIN_VALUE, Long.MAX_VALUE));
    assertEquals(86400, ApiRoutes.wholeNumber(body("{\"n\":86400}"), "n", 7, Long.MIN_VALUE, Long.MAX_VALUE));
    assertEquals(2000, ApiRoutes.wholeNumber(body("{\"n\":2e3}"), "n", 7, Long.MIN_VALUE, Long.MAX_VALUE));
    assertEquals(-3, ApiRoutes.wholeNumber(body("{\"n\":-3.0}"), "n", 7, Long.MIN_VALUE, Long.MAX_VALUE));
    assertEquals(Long.MAX_VALUE, ApiRoutes.wholeNumber(body("{\"n\":9223372036854775807}"), "n", 7, Long.MIN_VALUE, Long.MAX_VALUE));
  }

  @Test
  void everythingElseIsA400() {
    // Each of these made Gson's getAsLong/getAsBoolean throw, which the API answered with a 500.
    for (String json : new String[] {"{\"n\":\"86400\"}", "{\"n\":1.5}", "{\"n\":9223372036854775808}",
        "{\"n\":1e99999999999}", "{\"n\":[1]}", "{\"n\":{}}", "{\"n\":true}", "{\"n\":86\u00ff400}"}) {
      ApiException e = assertThrows(ApiException.class, () -> ApiRoutes.wholeNumber(body(json), "n", 7, Long.MIN_VALUE, Long.MAX_VALUE), json);
      assertEquals(400, e.status(), json);
    }
    for (String json : new String[] {"{\"n\":0}", "{\"n\":31}"}) {
      ApiException e = assertThrows(ApiException.class, () -> ApiRoutes.wholeNumber(body(json), "n", 7, 1, 30), json);
      assertEquals("\"n\" must be a whole number from 1 to 30", e.getMessage(), json);
    }
    for (String json : new String[] {"{\"b\":\"true\"}", "{\"b\":1}", "{\"b\":[true]}"}) {
      ApiException e = assertThrows(ApiException.class, () -> ApiRoutes.bool(body(json), "b"), json);
      assertEquals(400, e.status(), json);
    }
  }
}
