// The web UI's prompt routes (docs/ui-api.md, "Prompts"), registered in ui_project.cc.
// Reads are the public handlers behind prompts:read. Writes need prompts:CUD, and also
// promptProtectedLabels:CUD when they would put the protected label (`production`) on a
// version or take it off one: that label is what the SDKs fetch by default, so moving it
// is a release.
#pragma once

#include "api/ui_common.h"

namespace lanterne {

// GET .../prompts/{name}/versions: every version of the prompt, newest first (the prompt
// page shows the history and diffs any two). 404 when the prompt has no version.
Response ListUiPromptVersions(ApiContext& ctx, Request& request, const AuthContext& auth);

// POST .../prompts: the public create, with the caller's email as `createdBy`.
Response CreateUiPrompt(UiState& state, Request& request, const UiCaller& caller);
// PATCH .../prompts/{name}/versions/{version} {newLabels}: the public handler (adds labels).
Response PatchUiPromptLabels(UiState& state, Request& request, const UiCaller& caller);
// PUT .../prompts/{name}/versions/{version}/labels {labels}: the version's labels exactly
// (ReplacePromptLabels), so the UI can also take a label off. UI only.
Response PutUiPromptLabels(UiState& state, Request& request, const UiCaller& caller);
// DELETE .../prompts/{name}[?version=|?label=]: the public handler.
Response DeleteUiPrompt(UiState& state, Request& request, const UiCaller& caller);

}  // namespace lanterne
