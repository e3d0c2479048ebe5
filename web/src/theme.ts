export type Theme = "light" | "dark";

export function initialTheme(): Theme {
  const saved = localStorage.getItem("lanterne-theme");
  if (saved === "light" || saved === "dark") return saved;
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export function applyTheme(t: Theme) {
  document.documentElement.dataset.theme = t;
  localStorage.setItem("lanterne-theme", t);
}
