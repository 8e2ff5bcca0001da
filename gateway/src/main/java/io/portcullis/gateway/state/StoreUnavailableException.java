package io.portcullis.gateway.state;

/** The store could not durably write (or read) now; the admin API answers 503. */
public final class StoreUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
