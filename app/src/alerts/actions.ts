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

/** The action_ids of the buttons in `/alerts` and `/silences` answers. */
export const alertCommandActions = {
  silence1h: 'alert_list_silence_1h',
  silence4h: 'alert_list_silence_4h',
  silenceTomorrow: 'alert_list_silence_tomorrow',
  expireSilence: 'silence_expire',
} as const;

export type AlertCommandActionId = (typeof alertCommandActions)[keyof typeof alertCommandActions];

export const alertCommandActionIds: readonly AlertCommandActionId[] = Object.values(alertCommandActions);

/** Each `/alerts` silence button's length: the same as the alert message's buttons. */
export const listSilenceLengths: Record<Exclude<AlertCommandActionId, typeof alertCommandActions.expireSilence>, SilenceLength> = {
  [alertCommandActions.silence1h]: silenceLengths[alertActions.silence1h],
  [alertCommandActions.silence4h]: silenceLengths[alertActions.silence4h],
  [alertCommandActions.silenceTomorrow]: silenceLengths[alertActions.silenceTomorrow],
};
