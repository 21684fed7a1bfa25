// autocannon 9 ships no type declarations, and @types/autocannon would be a
// new dependency: this declares the part of its API the benchmark uses.
declare module 'autocannon' {
  namespace autocannon {
    interface Request {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string;
    }

    interface RequestStep {
      setupRequest?: (request: Request) => Request;
    }

    /** One connection. */
    interface Client {
      setHeaders(headers: Record<string, string>): void;
      setBody(body: string): void;
    }

    interface Options {
      url: string;
      method?: string;
      headers?: Record<string, string>;
      body?: string;
      requests?: RequestStep[];
      /** Called once per connection, as it opens. */
      setupClient?: (client: Client) => void;
      /** A 2xx whose body fails this counts in `mismatches`. */
      verifyBody?: (body: string) => boolean;
      connections?: number;
      /** Seconds. */
      duration?: number;
      /** Seconds. */
      timeout?: number;
    }

    interface Result {
      requests: { average: number; total: number };
      latency: { p50: number; p99: number };
      non2xx: number;
      /** Connection errors, timeouts included. */
      errors: number;
      timeouts: number;
      mismatches?: number;
      url: string;
      statusCodeStats?: Record<string, { count: number }>;
    }
  }

  function autocannon(options: autocannon.Options, callback: (error: Error | null, result: autocannon.Result) => void): unknown;

  export = autocannon;
}
