import pg from 'pg';

/** Every table of the service's state; not `rate_limits`, where a refused attempt must count against its limit. */
export const WATCHED_TABLES = ['users', 'sessions', 'refresh_tokens', 'signing_keys', 'audit_events'] as const;

export type TableSnapshot = Record<(typeof WATCHED_TABLES)[number], { rows: number; writes: number }>;

/**
 * Sees every committed write to the service's tables: row counts (inserts,
 * deletes) and, through row triggers installed on the test database only, a
 * count of committed INSERTs, UPDATEs and DELETEs per table (a revocation is
 * an UPDATE that no row count would show). The triggers' counter rows are
 * updated inside the writing transaction, so a rolled-back write leaves no trace.
 */
export class WriteWatch {
  private constructor(private readonly client: pg.Client) {}

  static async install(databaseUrl: string): Promise<WriteWatch> {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(`
      CREATE TABLE test_write_counter (table_name text PRIMARY KEY, writes bigint NOT NULL DEFAULT 0);
      CREATE FUNCTION test_count_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE test_write_counter SET writes = writes + 1 WHERE table_name = TG_TABLE_NAME;
        RETURN NULL;
      END $$;
    `);
    for (const table of WATCHED_TABLES) {
      await client.query('INSERT INTO test_write_counter (table_name) VALUES ($1)', [table]);
      await client.query(`CREATE TRIGGER test_count_write AFTER INSERT OR UPDATE OR DELETE ON "${table}" FOR EACH ROW EXECUTE FUNCTION test_count_write()`);
    }
    return new WriteWatch(client);
  }

  /** One statement, so that the counts and the counters are read from one snapshot of the database. */
  async snapshot(): Promise<TableSnapshot> {
    const columns = WATCHED_TABLES.map(
      (table) => `(SELECT count(*) FROM "${table}")::int AS "${table}", (SELECT writes FROM test_write_counter WHERE table_name = '${table}')::int AS "${table}_writes"`,
    );
    const { rows } = await this.client.query<Record<string, number>>({ name: 'write-watch-snapshot', text: `SELECT ${columns.join(', ')}` });
    const row = rows[0]!;
    return Object.fromEntries(WATCHED_TABLES.map((table) => [table, { rows: row[table]!, writes: row[`${table}_writes`]! }])) as TableSnapshot;
  }

  /** The tables whose rows or writes differ between two snapshots, e.g. `sessions rows 3→4, writes 7→9`. */
  static changes(before: TableSnapshot, after: TableSnapshot): string[] {
    return WATCHED_TABLES.filter((table) => before[table].rows !== after[table].rows || before[table].writes !== after[table].writes).map(
      (table) => `${table} rows ${before[table].rows}→${after[table].rows}, writes ${before[table].writes}→${after[table].writes}`,
    );
  }

  query<R extends pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.client.query<R>(sql, values);
  }

  close(): Promise<void> {
    return this.client.end();
  }
}
