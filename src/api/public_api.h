// The Langfuse-compatible public API under /api/public: routing, CORS and the last-resort
// error handling around every handler.
#pragma once

#include "api/api_context.h"
#include "http/message.h"
#include "http/router.h"

namespace lanterne {

class PublicApi {
 public:
  PublicApi(Store& store, WritePipeline& pipeline, ApiKeyAuthenticator& auth, ModelCatalog& models);

  // Answers every request with a Response; never throws.
  Response Handle(Request& request);

 private:
  PromptCache prompts_;  // before ctx_, which refers to it
  ApiContext ctx_;
  Router router_;
};

}  // namespace lanterne
