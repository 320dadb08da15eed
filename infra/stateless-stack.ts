import { type CfnElement, CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { StageConfig } from './config.ts';
import { Monitoring } from './constructs/monitoring.ts';
import type { FunctionLogs } from './constructs/project-function.ts';
import { ServiceApi } from './constructs/service-api.ts';
import { ServiceEdge } from './constructs/service-edge.ts';
import { Administration } from './features/administration.ts';
import { Complaints } from './features/complaints.ts';
import { Feature, type FeatureProps } from './features/feature.ts';
import { FollowUp } from './features/follow-up.ts';
import { Invitations } from './features/invitations.ts';
import { MissedSchedules } from './features/missed-schedules.ts';
import { Portal } from './features/portal.ts';
import { PublicationNotices } from './features/publication-notices.ts';
import { Reminders } from './features/reminders.ts';
import { Reports } from './features/reports.ts';
import { SurveyResponses } from './features/survey-responses.ts';
import type { StatefulStack } from './stateful-stack.ts';

export interface StatelessStackProps extends StackProps {
  config: StageConfig;
  stateful: StatefulStack;
  /** With the edge on: its web ACL (in us-east-1), which the distribution carries. */
  edgeWebAclArn?: string;
}

/**
 * The HTTP API, one construct per feature (each with its functions, grants, event
 * sources and routes), and the alarms and dashboard over all of them.
 */
export class StatelessStack extends Stack {
  readonly api: ServiceApi;
  readonly complaints: Complaints;
  readonly invitations: Invitations;
  readonly surveyResponses: SurveyResponses;
  readonly reports: Reports;
  readonly administration: Administration;
  readonly portal: Portal;
  readonly followUp: FollowUp;
  readonly reminders: Reminders;
  /** CloudFront and AWS WAF in front of the public routes, with `-c edge=true`. */
  readonly edge: ServiceEdge | undefined;
  readonly missedSchedules: MissedSchedules;
  /** With a notice sender (`-c noticeSender=…`). */
  readonly publicationNotices: PublicationNotices | undefined;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    const prod = props.config.stage === 'prod';
    super(scope, id, { ...props, terminationProtection: prod });
    const { stateful, config } = props;
    const logs: FunctionLogs = {
      logRetention: prod ? RetentionDays.ONE_YEAR : RetentionDays.ONE_MONTH,
      logRemovalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    };

    this.api = new ServiceApi(this, 'Api', {
      userPool: stateful.userPool,
      userPoolClient: stateful.userPoolClient,
      logs,
      routeThrottles: config.routeThrottles,
    });
    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
    const { edgeOriginSecret } = stateful;
    this.edge =
      config.edge && edgeOriginSecret && props.edgeWebAclArn
        ? new ServiceEdge(this, 'Edge', {
            api: this.api,
            edge: config.edge,
            webAclArn: props.edgeWebAclArn,
            originSecret: edgeOriginSecret,
          })
        : undefined;
    if (this.edge) new CfnOutput(this, 'EdgeUrl', { value: this.edge.baseUrl });
    // The gateway signs the API's public URL (the edge's, when there is one); survey links
    // may live on a short-link domain.
    const apiBaseUrl = config.apiBaseUrl || this.edge?.baseUrl || this.api.apiEndpoint;
    const surveyBaseUrl = config.surveyBaseUrl || apiBaseUrl;
    new CfnOutput(this, 'PortalUrl', { value: `${apiBaseUrl}/portal` });
    const feature: FeatureProps = { config, logs, api: this.api, dataKey: stateful.dataKey };

    this.complaints = new Complaints(this, 'Complaints', {
      ...feature,
      complaintsTable: stateful.complaintsTable,
      aggregatesTable: stateful.aggregatesTable,
      complaintAggregationDeadLetterQueue: stateful.complaintAggregationDeadLetterQueue,
      complaintEventsQueue: stateful.complaintEventsQueue,
      complaintSourceSecrets: stateful.complaintSourceSecrets,
    });
    this.invitations = new Invitations(this, 'Invitations', {
      ...feature,
      surveysTable: stateful.surveysTable,
      invitationSourceSecrets: stateful.invitationSourceSecrets,
      surveyKeySecrets: stateful.surveyKeySecrets,
      smsWakeUpQueue: stateful.smsWakeUpQueue,
      smsDeadLetterQueue: stateful.smsDeadLetterQueue,
      surveyBaseUrl,
    });
    this.surveyResponses = new SurveyResponses(this, 'SurveyResponses', {
      ...feature,
      surveysTable: stateful.surveysTable,
      aggregatesTable: stateful.aggregatesTable,
      phonePepperSecret: stateful.surveyKeySecrets['phone-hash'],
      smsAuthTokenSecret: stateful.smsAuthTokenSecret,
      smsInboundTopic: stateful.smsInboundTopic,
      smsDeadLetterQueue: stateful.smsDeadLetterQueue,
      aggregationDeadLetterQueue: stateful.aggregationDeadLetterQueue,
      apiBaseUrl,
      edgeOriginSecret,
    });
    this.reports = new Reports(this, 'Reports', {
      ...feature,
      aggregatesTable: stateful.aggregatesTable,
      complaintsTable: stateful.complaintsTable,
      surveysTable: stateful.surveysTable,
      reportsTable: stateful.reportsTable,
      reportsBucket: stateful.reportsBucket,
      reportSigningKey: stateful.reportSigningKey,
      reportRunsQueue: stateful.reportRunsQueue,
      reportRunsDeadLetterQueue: stateful.reportRunsDeadLetterQueue,
    });
    this.administration = new Administration(this, 'Administration', {
      ...feature,
      aggregatesTable: stateful.aggregatesTable,
      surveysTable: stateful.surveysTable,
      complaintsTable: stateful.complaintsTable,
    });
    this.portal = new Portal(this, 'Portal', {
      ...feature,
      userPool: stateful.userPool,
      sessionsTable: stateful.sessionsTable,
      reportsTable: stateful.reportsTable,
      aggregatesTable: stateful.aggregatesTable,
      reportRunsQueue: stateful.reportRunsQueue,
      reportsBucket: stateful.reportsBucket,
      publicBaseUrl: apiBaseUrl,
      edgeOriginSecret,
    });

    this.followUp = new FollowUp(this, 'FollowUp', {
      ...feature,
      surveysTable: stateful.surveysTable,
      followUpDeadLetterQueue: stateful.followUpDeadLetterQueue,
      caseDeliveryQueue: stateful.caseDeliveryQueue,
      followUpEndpointSecrets: stateful.followUpEndpointSecrets,
      invitationSourceSecrets: stateful.invitationSourceSecrets,
      surveyTokenKeySecret: stateful.surveyKeySecrets['survey-token'],
      surveyBaseUrl,
    });

    this.reminders = new Reminders(this, 'Reminders', {
      ...feature,
      surveysTable: stateful.surveysTable,
      reminderRunsQueue: stateful.reminderRunsQueue,
      followUpDeadLetterQueue: stateful.followUpDeadLetterQueue,
      caseDeliveryQueue: stateful.caseDeliveryQueue,
    });

    this.missedSchedules = new MissedSchedules(this, 'MissedSchedules', {
      ...feature,
      reportsTable: stateful.reportsTable,
      alarmTopic: stateful.alarmTopic,
      reportChecksQueue: stateful.reportChecksQueue,
      reportRunsDeadLetterQueue: stateful.reportRunsDeadLetterQueue,
    });

    const { noticeQueue, noticeDeadLetterQueue } = stateful;
    this.publicationNotices =
      noticeQueue && noticeDeadLetterQueue
        ? new PublicationNotices(this, 'PublicationNotices', {
            ...feature,
            reportsTable: stateful.reportsTable,
            noticeQueue,
            noticeDeadLetterQueue,
            userPool: stateful.userPool,
            publicBaseUrl: apiBaseUrl,
          })
        : undefined;
    const notices = this.publicationNotices;

    new Monitoring(this, 'Monitoring', {
      alarmTopic: stateful.alarmTopic,
      api: this.api,
      productAlarms: [
        {
          id: 'SmsUnconfirmed',
          metric: this.invitations.smsUnconfirmed,
          description:
            'An SMS sender died between SNS and its record: the SMS may or may not have gone, and is not sent again (docs/operations.md, Alarms).',
        },
      ],
      // In the dashboard's order, which predates the features.
      functions: [
        this.administration.erasure,
        this.reports.reportRuns,
        this.reports.reportsApi,
        this.administration.referenceData,
        this.reports.signingKey,
        this.reports.reportBuilder,
        this.reports.reportPdf,
        this.complaints.complaintIntake,
        this.complaints.complaintProcessor,
        this.complaints.complaintAggregator,
        this.invitations.invitationIntake,
        this.invitations.smsSender,
        this.surveyResponses.surveyPage,
        this.surveyResponses.responseAggregator,
        this.surveyResponses.smsInbound,
        this.surveyResponses.smsInboundSns,
        this.portal.portal,
        this.followUp.followUpCases,
        this.followUp.caseDelivery,
        this.followUp.caseEvents,
        this.reminders.reminders,
        this.missedSchedules.missedSchedules,
        ...(notices ? [notices.publicationNotices, notices.noticeSender] : []),
      ],
      deadLetterQueues: [
        stateful.complaintEventsDeadLetterQueue,
        stateful.smsDeadLetterQueue,
        stateful.aggregationDeadLetterQueue,
        stateful.complaintAggregationDeadLetterQueue,
        stateful.reportRunsDeadLetterQueue,
        stateful.followUpDeadLetterQueue,
        ...(noticeDeadLetterQueue ? [noticeDeadLetterQueue] : []),
      ],
      queues: [
        stateful.complaintEventsQueue,
        stateful.smsWakeUpQueue,
        stateful.reportRunsQueue,
        stateful.caseDeliveryQueue,
        stateful.reminderRunsQueue,
        stateful.reportChecksQueue,
        ...(noticeQueue ? [noticeQueue] : []),
      ],
    });
  }

  /**
   * Logical ids as if the features were not there: a deployed stack then updates in
   * place. Under new ids CloudFormation would replace every function, role and log
   * group, and create each stream mapping anew, which reads its stream again from the
   * horizon and would count up to a day of responses a second time.
   */
  protected override allocateLogicalId(cfnElement: CfnElement): string {
    const scopes = cfnElement.node.scopes.filter((scope) => !(scope instanceof Feature));
    // The base method reads nothing of the element but its scopes and its stack.
    const withoutFeatures = { node: { scopes }, stack: cfnElement.stack };
    return super.allocateLogicalId(withoutFeatures as unknown as CfnElement);
  }
}
