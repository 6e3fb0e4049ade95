/**
 * Where the app is known to deploy, and where it is known not to.
 *
 * Source: Amazon Aurora User Guide, "Supported Regions and Aurora DB engines
 * for RDS Data API", table "Data API with Aurora PostgreSQL Serverless v2 and
 * provisioned" (read 2026-12). Only regions that page lists are here; any
 * other region is unknown: synth goes ahead, and `npm run preflight` asks the
 * services of the account's region instead.
 *
 * The schema migrations run through the Data API at deploy time, so a region
 * without it cannot host the Data stack. RDS Proxy and the Aurora engine
 * version are not listed per region in one page; the preflight asks RDS for
 * both (DescribeDBProxies, DescribeDBEngineVersions).
 *
 * AWS Backup restore testing (prod's weekly restore test): CloudFormation's
 * resource specification for ap-southeast-5 has no AWS::Backup::RestoreTesting*
 * types (cfn-lint, which ships the per-region specifications, reports E3006
 * there); the other regions above have them.
 */

export interface RegionSupport {
  /** RDS Data API for Aurora PostgreSQL Serverless v2. */
  readonly dataApi: boolean;
  /** RDS Proxy, where a source says; undefined when no page lists the region. */
  readonly rdsProxy?: boolean;
  /** Aurora PostgreSQL versions offered, where known; undefined when not listed. */
  readonly auroraPostgresVersions?: readonly string[];
  /** AWS Backup restore testing in CloudFormation; undefined when not known to be missing. */
  readonly restoreTesting?: boolean;
}

const DATA_API: RegionSupport = { dataApi: true };
const NO_DATA_API: RegionSupport = { dataApi: false };

export const REGION_SUPPORT: Readonly<Record<string, RegionSupport>> = {
  'us-east-1': DATA_API,
  'us-east-2': DATA_API,
  'us-west-1': DATA_API,
  'us-west-2': DATA_API,
  'af-south-1': DATA_API,
  'ap-east-1': DATA_API,
  'ap-south-1': DATA_API,
  'ap-northeast-3': DATA_API,
  'ap-southeast-3': DATA_API,
  'ap-southeast-5': { dataApi: true, restoreTesting: false },
  // "Not available" in the same table.
  'ap-south-2': NO_DATA_API,
  'ap-southeast-4': NO_DATA_API,
  'ap-southeast-6': NO_DATA_API,
};

/**
 * Lowest Aurora PostgreSQL minor per major that the Data API supports, from
 * the same table (identical in every region that offers it).
 */
export const DATA_API_MINIMUM_VERSION: Readonly<Record<string, string>> = {
  '13': '13.11',
  '14': '14.8',
  '15': '15.3',
  '16': '16.1',
  '17': '17.4',
  '18': '18.3',
};

/** Regions listed above that offer everything the app needs, in every stage. */
export const KNOWN_GOOD_REGIONS: readonly string[] = Object.entries(REGION_SUPPORT)
  .filter(([, support]) => support.dataApi && support.rdsProxy !== false && support.restoreTesting !== false)
  .map(([region]) => region);

export interface RegionNeeds {
  readonly dataApi?: boolean;
  readonly rdsProxy?: boolean;
  readonly auroraPostgresVersion?: string;
  readonly restoreTesting?: boolean;
}

function versionAtLeast(version: string, minimum: string): boolean {
  const a = version.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff > 0;
  }
  return true;
}

/**
 * What `needs` asks for that the region is documented not to offer. Empty for
 * a region nobody lists: unknown is not the same as missing.
 */
export function missingServices(region: string, needs: RegionNeeds): string[] {
  const missing: string[] = [];
  const version = needs.auroraPostgresVersion;
  if (needs.dataApi && version !== undefined) {
    const minimum = DATA_API_MINIMUM_VERSION[version.split('.')[0] ?? ''];
    if (minimum === undefined || !versionAtLeast(version, minimum)) {
      missing.push(`RDS Data API for Aurora PostgreSQL ${version} (anywhere)`);
    }
  }
  const support = REGION_SUPPORT[region];
  if (support === undefined) return missing;
  if (needs.dataApi && !support.dataApi) missing.push('RDS Data API');
  if (needs.rdsProxy && support.rdsProxy === false) missing.push('RDS Proxy');
  if (needs.restoreTesting && support.restoreTesting === false) missing.push('AWS Backup restore testing');
  if (
    version !== undefined &&
    support.auroraPostgresVersions &&
    !support.auroraPostgresVersions.includes(version)
  ) {
    missing.push(`Aurora PostgreSQL ${version}`);
  }
  return missing;
}
