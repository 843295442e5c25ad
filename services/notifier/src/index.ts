export {
  alertThreadId,
  createEmailChannel,
  type EmailSettings,
  messageIdDomain,
  notificationMessageId,
} from "./channels/email.ts";
export {
  connectMqttPublisher,
  createMqttChannel,
  type MqttClientState,
  type MqttPublish,
} from "./channels/mqtt.ts";
export {
  createWebhookChannel,
  dingtalkPayload,
  dingtalkSign,
  jsonPayload,
  webhookResponseError,
  webhookUrl,
  wecomPayload,
} from "./channels/webhook.ts";
export {
  assertRuleRoutes,
  type NotifierConfig,
  type NotifierSettings,
  notifierConfigSchema,
  type Person,
  parseNotifierConfig,
  type Roster,
  type Route,
  type RoutedRule,
  rosterSchema,
  type Shift,
  WEEKDAYS,
  type WebhookSettings,
} from "./config.ts";
export { backoffMs } from "./delivery-queue.ts";
export type { NotifierLogger } from "./logger.ts";
export { createNotifierMetrics, type NotifierMetrics } from "./metrics.ts";
export type { Notification, NotifierChannel } from "./notification.ts";
export { createNotifier, type Notifier, type NotifierDeps } from "./notifier.ts";
export { alertLink, dashboardLink, formatBeijing, renderAlert } from "./render.ts";
export {
  type DutyGap,
  dutyGaps,
  lastShiftChange,
  maxTier,
  onDuty,
  onDutyUpTo,
  type ShiftOccurrence,
  shiftChangeCrons,
  shiftsAt,
} from "./roster.ts";
export { buildDailySummary, buildHandoverSummary, type DailyMean, dailyMeans } from "./summaries.ts";
