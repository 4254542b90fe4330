/**
 * The webhook tables: `webhook_events` (one per event: its webhook-id and exact body) and
 * `webhook_deliveries` (one per event and destination: state, tries, the last attempt).
 * The only place with webhooks SQL.
 */
import type { DeliveryState, WebhookDelivery, WebhookEvent } from "../domain/webhook-delivery";

export interface NewDelivery {
  id: string;
  destination: string;
  url: string;
}

export interface Attempt {
  state: DeliveryState;
  url: string;
  status: number | null;
  error: string | null;
  at: string;
  nextAttemptAt: string | null;
}

interface DeliveryRow {
  id: string;
  event_id: string;
  event_type: string;
  batch_id: string;
  destination: string;
  state: string;
  url: string;
  tries: number;
  last_status: number | null;
  last_error: string | null;
  last_attempt_at: string | null;
  next_attempt_at: string | null;
  created_at: string;
}

const DELIVERY_COLUMNS = `d.id, d.event_id, e.type AS event_type, e.batch_id, d.destination, d.state, d.url, d.tries, d.last_status, d.last_error, d.last_attempt_at, d.next_attempt_at, d.created_at`;

function deliveryFromRow(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    batchId: row.batch_id,
    destination: row.destination,
    state: row.state as DeliveryState,
    url: row.url,
    tries: row.tries,
    lastStatus: row.last_status,
    lastError: row.last_error,
    lastAttemptAt: row.last_attempt_at,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
  };
}

/**
 * @example
 * const webhooks = new WebhookStore(env.DB);
 * const created = await webhooks.createEvent(event, [{ id: "whdel_…", destination: "gateway", url }]);
 */
export class WebhookStore {
  constructor(private readonly db: D1Database) {}

  /**
   * Records the event and its deliveries in one transaction, unless an event of this type
   * already exists for the batch (another refresh saw the batch end first): then nothing is
   * written. Returns the IDs of the deliveries written.
   */
  async createEvent(event: WebhookEvent, deliveries: readonly NewDelivery[]): Promise<string[]> {
    const results = await this.db.batch([
      this.db
        .prepare(`INSERT OR IGNORE INTO webhook_events (id, type, batch_id, owner, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)`)
        .bind(event.id, event.type, event.batchId, event.owner, event.payload, event.createdAt),
      ...deliveries.map((delivery) =>
        this.db
          .prepare(
            `INSERT OR IGNORE INTO webhook_deliveries (id, event_id, destination, state, url, next_attempt_at, created_at, updated_at)
             SELECT ?, ?, ?, 'pending', ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM webhook_events WHERE id = ?)`,
          )
          .bind(delivery.id, event.id, delivery.destination, delivery.url, event.createdAt, event.createdAt, event.createdAt, event.id),
      ),
    ]);
    return deliveries.filter((_, index) => (results[index + 1]?.meta.changes ?? 0) > 0).map((delivery) => delivery.id);
  }

  /** A delivery and its event, or null. */
  async delivery(id: string): Promise<{ delivery: WebhookDelivery; event: WebhookEvent } | null> {
    const row = await this.db
      .prepare(
        `SELECT ${DELIVERY_COLUMNS}, e.owner AS event_owner, e.payload AS event_payload, e.created_at AS event_created_at
         FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id WHERE d.id = ?`,
      )
      .bind(id)
      .first<DeliveryRow & { event_owner: string; event_payload: string; event_created_at: string }>();
    if (!row) return null;
    return {
      delivery: deliveryFromRow(row),
      event: { id: row.event_id, type: row.event_type, batchId: row.batch_id, owner: row.event_owner, payload: row.event_payload, createdAt: row.event_created_at },
    };
  }

  /** Records an attempt of a delivery still pending; false when it was no longer pending. */
  async recordAttempt(id: string, attempt: Attempt): Promise<boolean> {
    const result = await this.db
      .prepare(
        `UPDATE webhook_deliveries SET state = ?, url = ?, tries = tries + 1, last_status = ?, last_error = ?, last_attempt_at = ?, next_attempt_at = ?, updated_at = ?
         WHERE id = ? AND state = 'pending'`,
      )
      .bind(attempt.state, attempt.url, attempt.status, attempt.error, attempt.at, attempt.nextAttemptAt, attempt.at, id)
      .run();
    return result.meta.changes > 0;
  }

  /** The most recently attempted (or created) deliveries first. */
  async recent(limit: number): Promise<WebhookDelivery[]> {
    const { results } = await this.db
      .prepare(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id ORDER BY d.updated_at DESC, d.id DESC LIMIT ?`)
      .bind(limit)
      .all<DeliveryRow>();
    return results.map(deliveryFromRow);
  }

  /** The most recent deliveries to one destination (a key's own webhook), as `recent` orders them. */
  async recentTo(destination: string, limit: number): Promise<WebhookDelivery[]> {
    const { results } = await this.db
      .prepare(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id WHERE d.destination = ? ORDER BY d.updated_at DESC, d.id DESC LIMIT ?`)
      .bind(destination, limit)
      .all<DeliveryRow>();
    return results.map(deliveryFromRow);
  }

  /** Pending deliveries whose next attempt was due before `before` (their queue message was lost). */
  async overdue(before: string, limit: number): Promise<string[]> {
    const { results } = await this.db
      .prepare(`SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at < ? ORDER BY next_attempt_at LIMIT ?`)
      .bind(before, limit)
      .all<{ id: string }>();
    return results.map((row) => row.id);
  }
}
