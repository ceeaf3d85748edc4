import { describe, expect, it } from 'vitest';
import { breadcrumbTrail } from './admin-nav-tree';

describe('breadcrumbTrail', () => {
  it('follows the navigation tree to the page an address falls under', () => {
    expect(breadcrumbTrail('/admin/webservice/tokens/12')).toEqual([
      { label: 'Site administration', to: '/admin' },
      { label: 'Plugins' },
      { label: 'Web services' },
      { label: 'Manage tokens', to: '/admin/webservice/tokens' },
    ]);
  });

  it('leaves out the page itself when it is in the tree', () => {
    expect(breadcrumbTrail('/admin/maintenance')).toEqual([
      { label: 'Site administration', to: '/admin' },
      { label: 'Server' },
    ]);
    expect(breadcrumbTrail('/admin/advanced-features')).toEqual([{ label: 'Site administration', to: '/admin' }]);
  });

  it('adds the parent page when the tree does not have it', () => {
    const parent = { to: '/admin/webservice/services/3/users', label: 'Authorised users' };
    expect(breadcrumbTrail('/admin/webservice/services/3/users/9', parent)).toEqual([
      { label: 'Site administration', to: '/admin' },
      { label: 'Plugins' },
      { label: 'Web services' },
      { label: 'External services', to: '/admin/webservice/services' },
      parent,
    ]);
    // A parent the tree already has is not repeated.
    expect(breadcrumbTrail('/admin/roles/new', { to: '/admin/roles', label: 'Define roles' })).toEqual([
      { label: 'Site administration', to: '/admin' },
      { label: 'Permissions' },
      { label: 'Define roles', to: '/admin/roles' },
    ]);
    // A page outside the tree's addresses sits under its parent's place in the tree.
    expect(
      breadcrumbTrail('/admin/webservice/openapi', {
        to: '/admin/webservice/documentation',
        label: 'API documentation',
      }),
    ).toEqual([
      { label: 'Site administration', to: '/admin' },
      { label: 'Plugins' },
      { label: 'Web services' },
      { label: 'API documentation', to: '/admin/webservice/documentation' },
    ]);
  });

  it('has Preferences as the root of the user’s own pages, and nothing at a root or outside', () => {
    expect(breadcrumbTrail('/preferences/keys/4/docs')).toEqual([
      { label: 'Preferences', to: '/preferences' },
      { label: 'Security keys', to: '/preferences/keys' },
    ]);
    expect(breadcrumbTrail('/admin')).toEqual([]);
    expect(breadcrumbTrail('/preferences/')).toEqual([]);
    expect(breadcrumbTrail('/no-such-page')).toEqual([]);
    // Not fooled by a shared prefix.
    expect(breadcrumbTrail('/administrator')).toEqual([]);
  });
});
