/**
 * The admin API of SPEC §5 ({@link io.portcullis.gateway.admin.AdminApi}), mounted by the admin
 * listener at {@code /admin/v1}; its secrets come from {@code PORTCULLIS_ADMIN_TOKENS} ({@link
 * io.portcullis.gateway.admin.AdminTokens#parse}).
 */
package io.portcullis.gateway.admin;
