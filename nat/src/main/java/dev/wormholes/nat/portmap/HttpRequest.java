package dev.wormholes.nat.portmap;

import java.util.Map;

/**
 * An HTTP request the {@link PortMapper} wants made (UPnP description fetch or SOAP action). The
 * driver answers with {@link PortMapper#handleHttpResponse} or {@link
 * PortMapper#handleHttpFailure} quoting {@link #id}.
 *
 * @param id identifies the request in the answer
 * @param method GET or POST
 * @param url absolute http URL (on the gateway)
 * @param headers extra headers (Content-Type, SOAPAction)
 * @param body the body, empty for GET
 */
public record HttpRequest(long id, String method, String url, Map<String, String> headers, String body) {}
