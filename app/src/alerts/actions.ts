// The action_ids of the buttons on alert messages: the renderer and the listeners both import them.
export const alertActions = {
  silence1h: 'alert_silence_1h',
  silence4h: 'alert_silence_4h',
  silenceTomorrow: 'alert_silence_tomorrow',
  acknowledge: 'alert_acknowledge',
  unsilence: 'alert_unsilence',
} as const;

export type AlertActionId = (typeof alertActions)[keyof typeof alertActions];

export const alertActionIds: readonly AlertActionId[] = Object.values(alertActions);

/** Silence length for each silence button; "tomorrow" is computed in the configured zone. */
export type SilenceLength = { hours: number } | { tomorrowAt: { hour: number; minute: number } };

export const silenceLengths: Record<typeof alertActions.silence1h | typeof alertActions.silence4h | typeof alertActions.silenceTomorrow, SilenceLength> = {
  [alertActions.silence1h]: { hours: 1 },
  [alertActions.silence4h]: { hours: 4 },
  [alertActions.silenceTomorrow]: { tomorrowAt: { hour: 9, minute: 0 } },
};
