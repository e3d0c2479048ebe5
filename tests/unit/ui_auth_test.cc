// The web UI's access control: the permission table, sessions (expiry, sliding renewal,
// revocation), CSRF, login rate limiting, password change, and the account rows behind them.
#include <algorithm>
#include <map>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "temp_dir.h"

#include "auth/api_keys.h"
#include "auth/permissions.h"
#include "auth/provisioning.h"
#include "auth/ui_sessions.h"
#include "core/ids.h"
#include "core/time.h"

namespace lanterne {
namespace {

constexpr int64_t kSecond = 1'000'000;
constexpr int64_t kDay = 24 * 3600 * kSecond;

TEST(PermissionsTest, TableFollowsLangfuseRbac) {
  // Project reads: every role.
  for (Role r : {Role::kViewer, Role::kMember, Role::kAdmin, Role::kOwner}) {
    EXPECT_TRUE(HasScope(r, Scope::kProjectRead)) << RoleName(r);
  }
  EXPECT_FALSE(HasScope(Role::kNone, Scope::kProjectRead));
  // apiKeys:read and projectMembers:read: OWNER/ADMIN/MEMBER.
  EXPECT_TRUE(HasScope(Role::kMember, Scope::kApiKeysRead));
  EXPECT_FALSE(HasScope(Role::kViewer, Scope::kApiKeysRead));
  EXPECT_TRUE(HasScope(Role::kMember, Scope::kProjectMembersRead));
  EXPECT_FALSE(HasScope(Role::kViewer, Scope::kProjectMembersRead));
  // OWNER/ADMIN only.
  for (Scope s :
       {Scope::kApiKeysCreate, Scope::kApiKeysDelete, Scope::kProjectUpdate,
        Scope::kProjectMembersCud, Scope::kTracesDelete, Scope::kModelsCud, Scope::kProjectsCreate,
        Scope::kOrganizationUpdate, Scope::kOrganizationMembersCud}) {
    EXPECT_TRUE(HasScope(Role::kOwner, s)) << ScopeName(s);
    EXPECT_TRUE(HasScope(Role::kAdmin, s)) << ScopeName(s);
    EXPECT_FALSE(HasScope(Role::kMember, s)) << ScopeName(s);
    EXPECT_FALSE(HasScope(Role::kViewer, s)) << ScopeName(s);
  }
  // OWNER only.
  for (Scope s : {Scope::kProjectDelete, Scope::kOrganizationDelete}) {
    EXPECT_TRUE(HasScope(Role::kOwner, s));
    EXPECT_FALSE(HasScope(Role::kAdmin, s));
  }
  EXPECT_TRUE(HasScope(Role::kMember, Scope::kOrganizationMembersRead));
  EXPECT_FALSE(HasScope(Role::kViewer, Scope::kOrganizationMembersRead));
}

TEST(PermissionsTest, PromptScopesProtectTheProductionLabel) {
  for (Role r : {Role::kViewer, Role::kMember, Role::kAdmin, Role::kOwner}) {
    EXPECT_TRUE(HasScope(r, Scope::kPromptsRead)) << RoleName(r);
  }
  EXPECT_FALSE(HasScope(Role::kViewer, Scope::kPromptsCud));
  EXPECT_TRUE(HasScope(Role::kMember, Scope::kPromptsCud));
  EXPECT_FALSE(HasScope(Role::kMember, Scope::kPromptProtectedLabelsCud));
  EXPECT_TRUE(HasScope(Role::kAdmin, Scope::kPromptProtectedLabelsCud));
  EXPECT_TRUE(HasScope(Role::kOwner, Scope::kPromptProtectedLabelsCud));
  EXPECT_EQ(CheckScope(Role::kMember, Scope::kPromptProtectedLabelsCud).message(),
            "promptProtectedLabels:CUD requires ADMIN or OWNER on this project");
}

TEST(PermissionsTest, EffectiveRoleIsOverrideElseOrgRole) {
  EXPECT_EQ(EffectiveRole(Role::kMember, std::nullopt), Role::kMember);
  EXPECT_EQ(EffectiveRole(Role::kMember, Role::kViewer), Role::kViewer);
  EXPECT_EQ(EffectiveRole(Role::kViewer, Role::kAdmin), Role::kAdmin);
  EXPECT_EQ(EffectiveRole(Role::kAdmin, Role::kNone), Role::kAdmin);  // NONE = no override
}

TEST(PermissionsTest, CheckNamesScopeAndRoles) {
  EXPECT_TRUE(CheckScope(Role::kAdmin, Scope::kApiKeysCreate).ok());
  Status denied = CheckScope(Role::kViewer, Scope::kApiKeysCreate);
  EXPECT_EQ(denied.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.message(), "apiKeys:create requires ADMIN or OWNER on this project");
  EXPECT_EQ(CheckScope(Role::kAdmin, Scope::kOrganizationDelete).message(),
            "organization:delete requires OWNER on this organization");
  EXPECT_EQ(CheckScope(Role::kViewer, Scope::kApiKeysRead).message(),
            "apiKeys:read requires MEMBER, ADMIN or OWNER on this project");
}

TEST(PermissionsTest, ScopesOfListsWhatTheRoleHas) {
  auto viewer = ScopesOf(Role::kViewer, true);
  EXPECT_EQ(viewer, (std::vector<std::string>{"project:read", "prompts:read", "dashboards:read"}));
  EXPECT_EQ(CheckScope(Role::kViewer, Scope::kDashboardsCud).message(),
            "dashboards:CUD requires MEMBER, ADMIN or OWNER on this project");
  EXPECT_TRUE(HasScope(Role::kMember, Scope::kDashboardsCud));
  auto owner = ScopesOf(Role::kOwner, true);
  EXPECT_NE(std::find(owner.begin(), owner.end(), "project:delete"), owner.end());
  auto admin_org = ScopesOf(Role::kAdmin, false);
  EXPECT_EQ(std::find(admin_org.begin(), admin_org.end(), "organization:delete"), admin_org.end());
  EXPECT_NE(std::find(admin_org.begin(), admin_org.end(), "projects:create"), admin_org.end());
  EXPECT_EQ(ParseRole("VIEWER"), Role::kViewer);
  EXPECT_EQ(ParseRole("viewer"), std::nullopt);
}

TEST(CookieTest, ParsesCookieHeader) {
  std::string header = "a=1; lanterne_session=abc; lanterne_csrf=\"xyz\"";
  EXPECT_EQ(CookieValue(header, "lanterne_session"), "abc");
  EXPECT_EQ(CookieValue(header, "lanterne_csrf"), "xyz");
  EXPECT_EQ(CookieValue(header, "lanterne"), std::nullopt);
  EXPECT_EQ(CookieValue("", "a"), std::nullopt);
  EXPECT_NE(SessionSetCookie("t").find("HttpOnly"), std::string::npos);
  EXPECT_EQ(CsrfSetCookie("t").find("HttpOnly"), std::string::npos);
  EXPECT_NE(ClearSessionSetCookie().find("Max-Age=0"), std::string::npos);
}

TEST(CsrfTest, HeaderMustEqualTheSessionToken) {
  UiSession session;
  session.csrf_token = "0123456789abcdef";
  EXPECT_TRUE(CsrfValid(session, std::string_view("0123456789abcdef")));
  EXPECT_FALSE(CsrfValid(session, std::nullopt));
  EXPECT_FALSE(CsrfValid(session, std::string_view("")));
  EXPECT_FALSE(CsrfValid(session, std::string_view("0123456789abcdeX")));
  EXPECT_FALSE(CsrfValid(session, std::string_view("0123")));
  session.csrf_token.clear();
  EXPECT_FALSE(CsrfValid(session, std::string_view("")));
}

TEST(LoginRateLimiterTest, BlocksAfterTenFailuresPerEmailWithinWindow) {
  int64_t now = 1000 * kSecond;
  LoginRateLimiter limiter({}, [&] { return now; });
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(limiter.RetryAfterSeconds("a@x", "1.1.1.1"), 0) << i;
    limiter.RecordFailure("a@x", "1.1.1.1");
    now += kSecond;
  }
  int64_t wait = limiter.RetryAfterSeconds("a@x", "1.1.1.1");
  EXPECT_GT(wait, 0);
  EXPECT_LE(wait, 15 * 60);
  EXPECT_EQ(limiter.RetryAfterSeconds("b@x", "2.2.2.2"), 0);  // others unaffected
  now += wait * kSecond;                                      // the oldest failure ages out
  EXPECT_EQ(limiter.RetryAfterSeconds("a@x", "1.1.1.1"), 0);
}

TEST(LoginRateLimiterTest, BlocksAnAddressAfterThirtyFailures) {
  int64_t now = 1000 * kSecond;
  LoginRateLimiter limiter({}, [&] { return now; });
  for (int i = 0; i < 30; ++i) limiter.RecordFailure("u" + std::to_string(i) + "@x", "9.9.9.9");
  EXPECT_GT(limiter.RetryAfterSeconds("new@x", "9.9.9.9"), 0);
  EXPECT_EQ(limiter.RetryAfterSeconds("new@x", "8.8.8.8"), 0);
}

TEST(LoginRateLimiterTest, SuccessForgetsTheEmailsFailures) {
  int64_t now = 1000 * kSecond;
  LoginRateLimiter limiter({}, [&] { return now; });
  for (int i = 0; i < 9; ++i) limiter.RecordFailure("a@x", "1.1.1.1");
  limiter.RecordSuccess("a@x");
  limiter.RecordFailure("a@x", "1.1.1.1");
  EXPECT_EQ(limiter.RetryAfterSeconds("a@x", "1.1.1.1"), 0);
}

class UiAccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenSqliteStore(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(opened).value();
    write_ = [this](const std::function<Status(WriteTxn&)>& body) {
      return store_->RunWrite(body);
    };
    sessions_ = std::make_unique<UiSessionService>(*store_, write_, [this] { return now_; });
  }

  User AddUser(const std::string& email, const std::string& password) {
    auto hash = HashPassword(password);
    EXPECT_TRUE(hash.ok());
    User user{RandomUuid(), email, "Name", *hash, now_};
    EXPECT_TRUE(write_([&](WriteTxn& txn) { return txn.CreateUser(user); }).ok());
    return user;
  }

  TempDir dir_{"lanterne-ui-auth-test"};
  std::unique_ptr<Store> store_;
  UiWriteFn write_;
  int64_t now_ = 1'700'000'000 * kSecond;
  std::unique_ptr<UiSessionService> sessions_;
};

TEST_F(UiAccountsTest, SessionsAreStoredHashedAndExpire) {
  User user = AddUser("a@example.com", "password-1");
  auto created = sessions_->Create(user.id);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->session.token_hash, HashSessionToken(created->token));
  EXPECT_NE(created->session.token_hash, created->token);
  EXPECT_FALSE(created->session.csrf_token.empty());
  auto stored = store_->GetUiSession(created->token);  // by token: not found, only hashes
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->has_value());

  auto found = sessions_->Lookup(created->token);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->user_id, user.id);
  auto wrong = sessions_->Lookup("not-a-token");
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE(wrong->has_value());

  now_ += 31 * kDay;
  auto expired = sessions_->Lookup(created->token);
  ASSERT_TRUE(expired.ok());
  EXPECT_FALSE(expired->has_value());
  auto row = store_->GetUiSession(created->session.token_hash);
  ASSERT_TRUE(row.ok());
  EXPECT_FALSE(row->has_value());  // expired rows are deleted
}

TEST_F(UiAccountsTest, ActiveSessionsSlide) {
  User user = AddUser("a@example.com", "password-1");
  auto created = sessions_->Create(user.id);
  ASSERT_TRUE(created.ok());
  for (int i = 0; i < 6; ++i) {  // 60 days of use, a request every 10 days
    now_ += 10 * kDay;
    auto found = sessions_->Lookup(created->token);
    ASSERT_TRUE(found.ok());
    ASSERT_TRUE(found->has_value()) << i;
    EXPECT_EQ((*found)->expires_at_us, now_ + kUiSessionLifetimeUs);
  }
}

TEST_F(UiAccountsTest, RevokeEndsTheSession) {
  User user = AddUser("a@example.com", "password-1");
  auto a = sessions_->Create(user.id);
  auto b = sessions_->Create(user.id);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(sessions_->Revoke(a->token).ok());
  EXPECT_FALSE(sessions_->Lookup(a->token)->has_value());
  EXPECT_TRUE(sessions_->Lookup(b->token)->has_value());
}

TEST_F(UiAccountsTest, PasswordChangeChecksCurrentAndRevokesOtherSessions) {
  User user = AddUser("a@example.com", "password-1");
  auto mine = sessions_->Create(user.id);
  auto other = sessions_->Create(user.id);
  ASSERT_TRUE(mine.ok() && other.ok());
  Status wrong = ChangePassword(*store_, write_, *sessions_, user.id, "nope-nope", "password-2",
                                mine->session.token_hash);
  EXPECT_EQ(wrong.code(), StatusCode::kInvalidArgument);
  Status too_short = ChangePassword(*store_, write_, *sessions_, user.id, "password-1", "short",
                                    mine->session.token_hash);
  EXPECT_EQ(too_short.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(sessions_->Lookup(other->token)->has_value());

  ASSERT_TRUE(ChangePassword(*store_, write_, *sessions_, user.id, "password-1", "password-2",
                             mine->session.token_hash)
                  .ok());
  auto stored = store_->FindUserByEmail("a@example.com");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_TRUE(VerifyPassword((*stored)->password_hash, "password-2"));
  EXPECT_FALSE(VerifyPassword((*stored)->password_hash, "password-1"));
  EXPECT_TRUE(sessions_->Lookup(mine->token)->has_value());
  EXPECT_FALSE(sessions_->Lookup(other->token)->has_value());
}

TEST_F(UiAccountsTest, VerifyPasswordRejectsGarbageHashes) {
  EXPECT_FALSE(VerifyPassword("", "x"));
  EXPECT_FALSE(VerifyPassword("not-a-hash", "x"));
  auto hash = HashPassword("correct horse");
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse"));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horsE"));
}

TEST_F(UiAccountsTest, HeadlessInitUserIsOwnerAndCanLogIn) {
  std::map<std::string, std::string> env{{"LANGFUSE_INIT_ORG_ID", "org-1"},
                                         {"LANGFUSE_INIT_PROJECT_ID", "proj-1"},
                                         {"LANGFUSE_INIT_USER_EMAIL", "Admin@Example.com"},
                                         {"LANGFUSE_INIT_USER_PASSWORD", "init-password"}};
  ASSERT_TRUE(ApplyHeadlessInit(*store_, [&](const std::string& k) -> std::optional<std::string> {
                auto it = env.find(k);
                if (it == env.end()) return std::nullopt;
                return it->second;
              }).ok());
  auto user = store_->FindUserByEmail("admin@example.com");
  ASSERT_TRUE(user.ok() && user->has_value());
  EXPECT_TRUE(VerifyPassword((*user)->password_hash, "init-password"));
  auto memberships = store_->MembershipsOfUser((*user)->id);
  ASSERT_TRUE(memberships.ok());
  ASSERT_EQ(memberships->size(), 1u);
  EXPECT_EQ((*memberships)[0].org_id, "org-1");
  EXPECT_EQ((*memberships)[0].role, "OWNER");
}

TEST_F(UiAccountsTest, MembershipsProjectRolesAndKeyRevocation) {
  User owner = AddUser("o@example.com", "password-1");
  User viewer = AddUser("v@example.com", "password-1");
  EXPECT_EQ(write_([&](WriteTxn& txn) { return txn.CreateUser(viewer); }).code(),
            StatusCode::kAlreadyExists);
  NewApiKey key = MakeApiKey("p1", std::nullopt, std::nullopt, std::string("n"));
  ASSERT_TRUE(write_([&](WriteTxn& txn) -> Status {
                LANTERNE_RETURN_IF_ERROR(txn.UpsertOrganization({"o1", "Org"}));
                LANTERNE_RETURN_IF_ERROR(txn.UpsertProject({"p1", "o1", "P1", now_}));
                LANTERNE_RETURN_IF_ERROR(txn.UpsertProject({"p2", "o1", "P2", now_ + 1}));
                LANTERNE_RETURN_IF_ERROR(txn.PutMembership({"o1", owner.id, "OWNER"}));
                LANTERNE_RETURN_IF_ERROR(txn.PutMembership({"o1", viewer.id, "VIEWER"}));
                LANTERNE_RETURN_IF_ERROR(txn.SetProjectRole("p2", viewer.id, "ADMIN"));
                return txn.PutApiKey(key.key);
              }).ok());
  EXPECT_EQ(store_->CountUsers().value(), 2);
  EXPECT_EQ(store_->MembersOfOrganization("o1")->size(), 2u);
  EXPECT_EQ(store_->ProjectsOfOrganization("o1")->size(), 2u);
  auto roles = store_->ProjectRolesOfUser(viewer.id);
  ASSERT_TRUE(roles.ok());
  ASSERT_EQ(roles->size(), 1u);
  EXPECT_EQ((*roles)[0].role, "ADMIN");
  ASSERT_TRUE(write_([&](WriteTxn& txn) { return txn.SetProjectRole("p2", viewer.id, ""); }).ok());
  EXPECT_TRUE(store_->ProjectRolesOfUser(viewer.id)->empty());

  // Revocation: the authenticator accepts the key, then refuses it at once once deleted
  // and forgotten.
  ApiKeyAuthenticator auth(*store_);
  std::string basic = "Basic " + Base64Encode(key.key.public_key + ":" + key.secret);
  ASSERT_TRUE(auth.Authenticate(basic, false).ok());
  EXPECT_EQ(store_->ApiKeysOfProject("p1")->size(), 1u);
  auto deleted = std::make_shared<bool>(false);
  ASSERT_TRUE(write_([&](WriteTxn& txn) -> Status {
                auto d = txn.DeleteApiKey("p2", key.key.id);  // wrong project: untouched
                if (!d.ok()) return d.status();
                EXPECT_FALSE(*d);
                d = txn.DeleteApiKey("p1", key.key.id);
                if (!d.ok()) return d.status();
                *deleted = *d;
                return Status::Ok();
              }).ok());
  EXPECT_TRUE(*deleted);
  EXPECT_TRUE(auth.Authenticate(basic, false).ok());  // still cached until forgotten
  auth.Forget(key.key.public_key);
  EXPECT_EQ(auth.Authenticate(basic, false).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(UiAccountsTest, KeyLastUseIsKnownAtOnceAndStoredWhenFlushed) {
  NewApiKey key = MakeApiKey("p1", std::nullopt, std::nullopt, std::nullopt);
  ASSERT_TRUE(write_([&](WriteTxn& txn) -> Status {
                LANTERNE_RETURN_IF_ERROR(txn.UpsertOrganization({"o1", "Org"}));
                LANTERNE_RETURN_IF_ERROR(txn.UpsertProject({"p1", "o1", "P1", now_}));
                return txn.PutApiKey(key.key);
              }).ok());
  ApiKeyAuthenticator auth(*store_);
  EXPECT_EQ(auth.LastUsed(key.key.public_key), std::nullopt);
  const int64_t before = NowMicros();
  std::string basic = "Basic " + Base64Encode(key.key.public_key + ":" + key.secret);
  ASSERT_TRUE(auth.Authenticate(basic, false).ok());
  auto used = auth.LastUsed(key.key.public_key);
  ASSERT_TRUE(used.has_value());
  EXPECT_GE(*used, before);
  // A wrong secret is not a use.
  std::string wrong = "Basic " + Base64Encode(key.key.public_key + ":sk-lf-wrong");
  EXPECT_FALSE(auth.Authenticate(wrong, false).ok());
  EXPECT_EQ(auth.LastUsed(key.key.public_key), used);

  EXPECT_EQ(store_->ApiKeysOfProject("p1")->front().last_used_at_us, std::nullopt)
      << "a use is not written per request";
  ASSERT_TRUE(auth.FlushLastUsed().ok());
  EXPECT_EQ(store_->ApiKeysOfProject("p1")->front().last_used_at_us, used);
  // An older use recorded by another process never moves it back.
  ASSERT_TRUE(write_([&](WriteTxn& txn) {
                return txn.RecordApiKeyUse(key.key.public_key, *used - 1000);
              }).ok());
  EXPECT_EQ(store_->ApiKeysOfProject("p1")->front().last_used_at_us, used);
}

TEST_F(UiAccountsTest, DataDirectoriesOfSchemaTwoGainTheAccountTables) {
  // Back to schema 2 as the release before the web UI left it; opening migrates forward and
  // keeps the users.
  User user = AddUser("old@example.com", "password-1");
  sessions_.reset();
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_.path() + "/lanterne.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db,
                   "DROP TABLE ui_sessions; DROP TABLE invitations; DROP TABLE "
                   "project_roles; DROP INDEX memberships_by_user; DROP INDEX "
                   "projects_by_org; DROP INDEX api_keys_by_project; PRAGMA user_version = 2;",
                   nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  SetUp();
  ASSERT_NE(store_, nullptr);
  auto created = sessions_->Create(user.id);
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_TRUE(sessions_->Lookup(created->token)->has_value());
  EXPECT_TRUE(store_->FindUserByEmail("old@example.com")->has_value());
}

}  // namespace
}  // namespace lanterne
