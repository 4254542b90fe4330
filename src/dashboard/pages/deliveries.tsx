/**
 * Webhook deliveries: the most recent `message_batch.ended` deliveries, their state, tries and
 * last answer (every one for the admin; a key sees those to its own webhook). Never a secret.
 */
import type { FC } from "hono/jsx";
import type { Viewer } from "../../core/sessions";
import type { WebhookDelivery } from "../../domain/webhook-delivery";
import { Time } from "../components";
import { Layout } from "../layout";

/**
 * @example
 * <DeliveriesPage viewer={viewer} deliveries={deliveries} refreshSeconds={3} />
 */
export const DeliveriesPage: FC<{ viewer: Viewer; deliveries: WebhookDelivery[]; refreshSeconds: number }> = ({
  viewer,
  deliveries,
  refreshSeconds,
}) => (
  <Layout title="Webhook deliveries" viewer={viewer} section="deliveries">
    <h1>Webhook deliveries</h1>
    {deliveries.some((delivery) => delivery.state === "pending") ? (
      <p class="muted" data-live={refreshSeconds}>
        Refreshing every {refreshSeconds} s while a delivery is pending.
      </p>
    ) : null}
    {deliveries.length === 0 ? (
      <p class="muted">No deliveries yet: a delivery is made when a batch ends and a webhook is configured (WEBHOOK_URL, or a key's webhook URL).</p>
    ) : (
      <table id="deliveries">
        <thead>
          <tr>
            <th>Delivery</th>
            <th>Event</th>
            <th>Batch</th>
            <th>Destination</th>
            <th>URL</th>
            <th>Status</th>
            <th class="num">Tries</th>
            <th>Last answer</th>
            <th>Last attempt</th>
            <th>Next attempt</th>
          </tr>
        </thead>
        <tbody>
          {deliveries.map((delivery) => (
            <tr data-delivery={delivery.id}>
              <td class="mono">{delivery.id}</td>
              <td class="mono">{delivery.eventType}</td>
              <td>
                <a class="mono" href={`/dashboard/batches/${delivery.batchId}`}>
                  {delivery.batchId}
                </a>
              </td>
              <td class="mono">{delivery.destination}</td>
              <td class="mono">{delivery.url}</td>
              <td>
                <span class={`status ${delivery.state}`}>{delivery.state}</span>
              </td>
              <td class="num">{delivery.tries}</td>
              <td>{delivery.lastStatus !== null ? `HTTP ${delivery.lastStatus}` : (delivery.lastError ?? <span class="muted">—</span>)}</td>
              <td>
                <Time at={delivery.lastAttemptAt} />
              </td>
              <td>
                <Time at={delivery.state === "pending" ? delivery.nextAttemptAt : null} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
  </Layout>
);
