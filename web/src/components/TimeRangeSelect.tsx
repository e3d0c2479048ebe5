// The time-range presets every list filters on ("All time", "Past 30m" … "Past 30d").
import { TIME_PRESETS, type TimePreset } from "../lib/filters";

export function TimeRangeSelect({ value, onChange }: { value: TimePreset | ""; onChange: (v: TimePreset | "") => void }) {
  return (
    <select aria-label="Time range" value={value} onChange={(e) => onChange(e.target.value as TimePreset | "")}>
      <option value="">All time</option>
      {TIME_PRESETS.map((p) => (
        <option key={p} value={p}>
          Past {p}
        </option>
      ))}
    </select>
  );
}
