// The charts' colours, read from the CSS variables of ui/src/styles.css at draw time: a canvas
// cannot use var(--x), so the values are looked up and the chart is drawn again when the system
// switches between light and dark.
import { useEffect, useState } from 'react';

export interface ChartTheme {
  fg: string;
  muted: string;
  border: string;
  bg: string;
  /** a canvas font: size and the UI's family */
  font: string;
  /** a CSS variable's value, e.g. color('--good') */
  color: (variable: string) => string;
}

/** the colour of each run phase and health status: the badges' variables */
export const PHASE_COLOURS: Record<string, string> = { Succeeded: '--good', Failed: '--bad', Running: '--busy', Blocked: '--drift', Interrupted: '--unknown' };
export const HEALTH_COLOURS: Record<string, string> = {
  Healthy: '--good',
  Progressing: '--busy',
  Degraded: '--bad',
  Suspended: '--suspended',
  Missing: '--drift',
  Unknown: '--unknown',
};

export function readTheme(): ChartTheme {
  const style = getComputedStyle(document.documentElement);
  const get = (name: string) => style.getPropertyValue(name).trim();
  return { fg: get('--fg'), muted: get('--muted'), border: get('--border'), bg: get('--bg'), font: `12px ${get('--font') || 'sans-serif'}`, color: get };
}

const DARK = '(prefers-color-scheme: dark)';

/** The theme now, and again whenever the colour scheme changes. */
export function useChartTheme(): ChartTheme {
  const [theme, setTheme] = useState(readTheme);
  useEffect(() => {
    const query = window.matchMedia(DARK);
    const changed = () => setTheme(readTheme());
    query.addEventListener('change', changed);
    return () => query.removeEventListener('change', changed);
  }, []);
  return theme;
}
