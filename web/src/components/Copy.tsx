import { useState } from "react";

export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      className="copy"
      title={`Copy ${text.length > 40 ? "" : text}`}
      onClick={(e) => {
        e.stopPropagation();
        e.preventDefault();
        const ok = () => {
          setDone(true);
          setTimeout(() => setDone(false), 1200);
        };
        if (navigator.clipboard) navigator.clipboard.writeText(text).then(ok, ok);
        else ok();
      }}
    >
      {done ? "Copied" : label}
    </button>
  );
}

export function CodeBlock({ code }: { code: string }) {
  return (
    <div className="codeblock">
      <pre>{code}</pre>
      <CopyButton text={code} />
    </div>
  );
}
