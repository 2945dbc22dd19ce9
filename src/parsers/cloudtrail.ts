// AWS CloudTrail parser: log files ({"Records": [...]}, as delivered to S3, once gunzipped by the
// caller), single records (NDJSON or pretty-printed), JSON arrays of records, and records wrapped
// in an EventBridge event ("detail-type": "AWS API Call via CloudTrail", "detail": {...}).

import type { ActionInfo, ParseResult, ParserOptions, RecordParser } from './parser.js';
import {
  RelatedCollector,
  createJsonValueSplitter,
  finishEvent,
  isIpAddress,
  isRecord,
  isoFromMillis,
  parseUtcTimestamp,
  stringAt,
  type JsonValueResult,
} from './json-records.js';

export const CLOUDTRAIL_ACTIONS: ActionInfo[] = [
  {
    action: 'cloud.console_login',
    description: 'AWS console sign-in (signin ConsoleLogin) by a non-root identity',
    category: 'authentication',
    type: 'start',
  },
  {
    action: 'cloud.root_login',
    description: 'AWS console sign-in as the account root user',
    category: 'authentication',
    type: 'start',
  },
  {
    action: 'cloud.assume_role',
    description: 'STS AssumeRole, AssumeRoleWithSAML, AssumeRoleWithWebIdentity',
    category: 'authentication',
    type: 'start',
  },
  {
    action: 'cloud.api_call',
    description: 'Any other AWS API call; the service and operation are in labels.event_source/event_name',
    category: 'api',
    type: 'access|creation|change|deletion|info',
  },
];

const IAM_SOURCES = new Set([
  'iam.amazonaws.com',
  'sts.amazonaws.com',
  'sso.amazonaws.com',
  'sso-directory.amazonaws.com',
  'identitystore.amazonaws.com',
  'organizations.amazonaws.com',
  'signin.amazonaws.com',
]);
const HIDDEN_USER = 'HIDDEN_DUE_TO_SECURITY_REASONS';
// EventBridge detail-types of CloudTrail records: "AWS API Call via CloudTrail", "AWS Console
// Signin via CloudTrail", "AWS Service Event via CloudTrail", ...
const EVENTBRIDGE_DETAIL_TYPE = / via CloudTrail$/;

export function createCloudTrailParser(options: ParserOptions): RecordParser {
  const splitter = createJsonValueSplitter();

  function handle(values: JsonValueResult[]): ParseResult[] {
    const out: ParseResult[] = [];
    for (const v of values) {
      if ('error' in v) out.push({ line: v.line, error: v.error });
      else if (isRecord(v.value) && v.value.Records !== undefined) {
        if (!Array.isArray(v.value.Records)) out.push({ line: v.line, error: 'Records is not an array' });
        else for (const r of v.value.Records) out.push(mapRecord(r, JSON.stringify(r), v.line, options));
      } else if (Array.isArray(v.value)) {
        for (const r of v.value) out.push(mapRecord(r, JSON.stringify(r), v.line, options));
      } else out.push(mapRecord(v.value, v.text, v.line, options));
    }
    return out;
  }

  return {
    format: 'cloudtrail',
    push: (line, lineNumber) => handle(splitter.push(line, lineNumber)),
    end: () => handle(splitter.end()),
  };
}

interface Actor {
  name?: string;
  id?: string;
  domain?: string;
  effective?: { name?: string; id?: string; domain?: string };
  roles?: string[];
}

const lastSegment = (arn: string | undefined) =>
  arn ? arn.slice(arn.lastIndexOf('/') + 1) || undefined : undefined;

/**
 * Who made the call, by userIdentity.type. For an assumed role or a federated user the actor is the
 * session (its name is usually the person or instance) and the role or user whose permissions it
 * uses is `user.effective`.
 */
export function identityOf(ui: Record<string, unknown> | undefined): Actor {
  if (!ui) return {};
  const type = stringAt(ui, 'type');
  const arn = stringAt(ui, 'arn');
  const account = stringAt(ui, 'accountId');
  const userName = stringAt(ui, 'userName');
  const named = userName && userName !== HIDDEN_USER ? userName : undefined;
  const context = isRecord(ui.sessionContext) ? ui.sessionContext : undefined;
  const issuer = isRecord(context?.sessionIssuer) ? context.sessionIssuer : undefined;
  const issuerName = stringAt(issuer, 'userName');
  const effective = issuer
    ? { name: issuerName, id: stringAt(issuer, 'arn'), domain: stringAt(issuer, 'accountId') }
    : undefined;
  switch (type) {
    case 'AssumedRole':
    case 'FederatedUser':
      return {
        name: named ?? lastSegment(arn),
        id: arn ?? stringAt(ui, 'principalId'),
        domain: account,
        effective,
        roles: type === 'AssumedRole' && issuerName ? [issuerName] : undefined,
      };
    case 'Root':
      return { name: named ?? 'root', id: arn ?? account, domain: account };
    case 'AWSService':
      return { name: stringAt(ui, 'invokedBy') };
    case 'AWSAccount':
      return { name: named, id: stringAt(ui, 'principalId') || undefined, domain: account };
    case 'IdentityCenterUser': {
      const onBehalfOf = isRecord(ui.onBehalfOf) ? ui.onBehalfOf : undefined;
      return {
        name: named,
        id: stringAt(onBehalfOf, 'userId') ?? stringAt(ui, 'principalId'),
        domain: stringAt(onBehalfOf, 'identityStoreArn') ?? account,
      };
    }
    case 'SAMLUser':
    case 'WebIdentityUser':
      return { name: named, id: stringAt(ui, 'principalId'), domain: stringAt(ui, 'identityProvider') };
    default: // IAMUser, Unknown, and types added later
      return {
        name: named ?? (type === 'IAMUser' ? lastSegment(arn) : undefined),
        id: arn ?? stringAt(ui, 'principalId'),
        domain: account,
        effective,
      };
  }
}

function actionOf(source: string, name: string, ui: Record<string, unknown> | undefined): string {
  if (source === 'signin.amazonaws.com' && name === 'ConsoleLogin') {
    return stringAt(ui, 'type') === 'Root' ? 'cloud.root_login' : 'cloud.console_login';
  }
  if (source === 'sts.amazonaws.com' && name.startsWith('AssumeRole')) return 'cloud.assume_role';
  return 'cloud.api_call';
}

/** ECS event.type from the operation's verb. */
function typeOf(name: string, readOnly: unknown): string {
  if (readOnly === true || /^(Get|List|Describe|Head|Lookup|Search|Select|Scan|Query|BatchGet)/.test(name)) {
    return 'access';
  }
  if (/^(Create|Run|Register|Import|Allocate|Issue|Request)/.test(name)) return 'creation';
  if (/^(Delete|Remove|Terminate|Deregister|Revoke|Disable|Release|Purge)/.test(name)) return 'deletion';
  if (
    /^(Put|Update|Modify|Attach|Detach|Set|Add|Associate|Disassociate|Enable|Change|Replace|Reset|Tag|Untag|Start|Stop|Reboot|Restore|Authorize)/.test(
      name,
    )
  ) {
    return 'change';
  }
  return 'info';
}

/** Why a JSON object is not a CloudTrail event record, for those that are known not to be one. */
function notAnEvent(value: Record<string, unknown>): string | undefined {
  // Insights events report unusual API call rates, not a call anyone made (eventCategory Insight).
  if (value.eventType === 'AwsCloudTrailInsight' || value.eventCategory === 'Insight') {
    return 'CloudTrail Insights event (an API call rate summary, not an API call)';
  }
  if ('digestStartTime' in value && 'logFiles' in value) {
    return 'CloudTrail digest file (log file hashes, not events)';
  }
  return undefined;
}

function mapRecord(record: unknown, text: string, line: number, options: ParserOptions): ParseResult {
  if (!isRecord(record)) return { line, error: 'not a CloudTrail record (expected a JSON object)' };
  const wrapped =
    typeof record['detail-type'] === 'string' &&
    EVENTBRIDGE_DETAIL_TYPE.test(record['detail-type']) &&
    isRecord(record.detail);
  const value = wrapped ? (record.detail as Record<string, unknown>) : record;
  const skip = notAnEvent(value);
  if (skip) return { line, error: skip };
  const source = stringAt(value, 'eventSource');
  const name = stringAt(value, 'eventName');
  const rawTime = value.eventTime ?? value['@timestamp'];
  if (!source || !name) {
    return { line, error: `not a CloudTrail record: missing ${source ? 'eventName' : 'eventSource'}` };
  }
  const time = parseUtcTimestamp(rawTime);
  if (time === undefined) {
    return {
      line,
      error: rawTime === undefined ? 'CloudTrail record without eventTime' : 'invalid eventTime',
    };
  }
  const ui = isRecord(value.userIdentity) ? value.userIdentity : undefined;
  const actor = identityOf(ui);
  const action = actionOf(source, name, ui);
  const response = isRecord(value.responseElements) ? value.responseElements : undefined;
  const extra = isRecord(value.additionalEventData) ? value.additionalEventData : undefined;
  const request = isRecord(value.requestParameters) ? value.requestParameters : undefined;
  const errorCode = stringAt(value, 'errorCode') || undefined;
  const errorMessage = stringAt(value, 'errorMessage');
  const consoleResult = stringAt(response, 'ConsoleLogin');
  const failed = errorCode !== undefined || consoleResult === 'Failure';
  const outcome = failed ? 'failure' : 'success';
  const reason = failed
    ? [errorCode, errorMessage].filter(Boolean).join(': ') || 'ConsoleLogin Failure'
    : undefined;
  const sourceAddress = stringAt(value, 'sourceIPAddress');
  const sourceIp = isIpAddress(sourceAddress) ? sourceAddress : undefined;
  const accessKey = stringAt(ui, 'accessKeyId');
  const context = isRecord(ui?.sessionContext) ? ui.sessionContext : undefined;
  const attributes = isRecord(context?.attributes) ? context.attributes : undefined;
  // The person behind a role session when the role trusts a source identity (sts:SetSourceIdentity).
  const sourceIdentity = stringAt(context, 'sourceIdentity');
  const login =
    action === 'cloud.console_login' || action === 'cloud.root_login' || action === 'cloud.assume_role';
  const category = login ? ['authentication'] : IAM_SOURCES.has(source) ? ['api', 'iam'] : ['api'];
  const type = login ? ['start'] : [typeOf(name, value.readOnly)];
  const targetUser = source === 'iam.amazonaws.com' ? stringAt(request, 'userName') : undefined;
  const groupName = source === 'iam.amazonaws.com' ? stringAt(request, 'groupName') : undefined;
  const related = new RelatedCollector()
    .user(actor.name, actor.effective?.name, sourceIdentity, targetUser)
    .ip(sourceIp)
    .host(options.hostname);

  const draft = {
    '@timestamp': isoFromMillis(time) ?? '',
    event: {
      action,
      outcome,
      category,
      type,
      reason,
      dataset: 'aws.cloudtrail',
      module: 'aws',
      kind: 'event',
      id: stringAt(value, 'eventID'),
    },
    user: { ...actor, target: targetUser ? { name: targetUser } : undefined },
    group: groupName ? { name: groupName } : undefined,
    source: sourceAddress ? { ip: sourceIp, address: sourceAddress } : undefined,
    host: { name: options.hostname },
    service: { type: 'aws', name: source.replace(/\.amazonaws\.com$/, '') },
    cloud: {
      provider: 'aws',
      account: { id: stringAt(value, 'recipientAccountId') ?? stringAt(ui, 'accountId') },
      region: stringAt(value, 'awsRegion'),
    },
    // Temporary (STS) credentials identify one session; long-term keys (AKIA...) do not.
    session: accessKey?.startsWith('ASIA') ? { id: accessKey } : undefined,
    user_agent: { original: stringAt(value, 'userAgent') },
    related: related.toJSON(),
    labels: {
      event_source: source,
      event_name: name,
      event_type: stringAt(value, 'eventType'),
      event_category: stringAt(value, 'eventCategory'),
      identity_type: stringAt(ui, 'type'),
      principal_id: stringAt(ui, 'principalId'),
      access_key_id: accessKey,
      invoked_by: stringAt(ui, 'invokedBy'),
      error_code: errorCode,
      mfa_used: stringAt(extra, 'MFAUsed'),
      mfa_authenticated: stringAt(attributes, 'mfaAuthenticated'),
      source_identity: sourceIdentity,
      read_only: typeof value.readOnly === 'boolean' ? String(value.readOnly) : undefined,
      request_id: stringAt(value, 'requestID'),
      role_arn: stringAt(request, 'roleArn'),
    },
  };
  return finishEvent(draft, text, line, options);
}
