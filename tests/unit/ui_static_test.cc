#include "api/ui_static.h"

#include <string>

#include <gtest/gtest.h>

namespace lanterne {
namespace {

std::string HeaderOf(const Response& response, std::string_view name) {
  for (const auto& [k, v] : response.headers) {
    if (k == name) return v;
  }
  return "";
}

Request Get(std::string path, bool gzip = false) {
  Request request;
  request.method = "GET";
  request.path = std::move(path);
  if (gzip) request.headers.emplace_back("accept-encoding", "gzip, deflate, br");
  return request;
}

TEST(WebUiPath, EverythingButTheApis) {
  EXPECT_TRUE(IsWebUiPath("/"));
  EXPECT_TRUE(IsWebUiPath("/login"));
  EXPECT_TRUE(IsWebUiPath("/project/p1/traces/t1"));
  EXPECT_TRUE(IsWebUiPath("/assets/index-abc.js"));
  EXPECT_TRUE(IsWebUiPath("/apiary"));
  EXPECT_TRUE(IsWebUiPath("/v10"));
  EXPECT_FALSE(IsWebUiPath("/api"));
  EXPECT_FALSE(IsWebUiPath("/api/public/nope"));
  EXPECT_FALSE(IsWebUiPath("/api/ui/me"));
  EXPECT_FALSE(IsWebUiPath("/v1"));
  EXPECT_FALSE(IsWebUiPath("/v1/traces"));
  EXPECT_FALSE(IsWebUiPath(""));
  EXPECT_FALSE(IsWebUiPath("*"));
}

TEST(WebUi, ClientRoutesAnswerIndexHtmlUncached) {
  for (const char* path : {"/", "/login", "/project/p1/traces?x=1", "/index.html"}) {
    Response response = ServeWebUi(Get(path));
    EXPECT_EQ(response.status, 200) << path;
    EXPECT_EQ(response.content_type, "text/html; charset=utf-8") << path;
    EXPECT_EQ(HeaderOf(response, "Cache-Control"), "no-cache") << path;
    EXPECT_NE(response.body.find("<html"), std::string::npos) << path;
  }
}

TEST(WebUi, HashedAssetsAreImmutableAndMissingOnesAre404) {
  auto assets = EmbeddedWebAssets();
  if (assets.empty()) GTEST_SKIP() << "built without web/dist";
  EXPECT_EQ(ServeWebUi(Get("/assets/missing-0000.js")).status, 404);
  for (const WebAsset& asset : assets) {
    if (!asset.path.starts_with("/assets/")) continue;
    Response plain = ServeWebUi(Get(std::string(asset.path)));
    EXPECT_EQ(plain.status, 200);
    EXPECT_EQ(plain.body, asset.content);
    EXPECT_EQ(HeaderOf(plain, "Cache-Control"), "public, max-age=31536000, immutable");
    if (asset.path.ends_with(".js")) {
      EXPECT_EQ(plain.content_type, "text/javascript; charset=utf-8");
      Response gz = ServeWebUi(Get(std::string(asset.path), true));
      EXPECT_EQ(HeaderOf(gz, "Content-Encoding"), "gzip");
      EXPECT_LT(gz.body.size(), plain.body.size());
    }
  }
}

}  // namespace
}  // namespace lanterne
